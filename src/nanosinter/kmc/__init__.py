"""Atomistic kinetic Monte Carlo of nanocrystal sintering under the electron beam."""
