"""Maps the repository root to the import package `saferkit` (see DESIGN.md)."""

from setuptools import find_packages, setup

SKIP = ["tests", "tests.*", "benchmarks", "benchmarks.*", "build", "build.*", "demo-out", "demo-out.*"]

setup(
    packages=["saferkit"] + [f"saferkit.{name}" for name in find_packages(".", exclude=SKIP)],
    package_dir={"saferkit": "."},
)
