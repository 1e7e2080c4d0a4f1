"""Maps each top-level folder to its subpackage of `saferkit` (see DESIGN.md).

The folders stay at the top of the repository, as the project card asks, but the
root itself is not a package: nothing at the root (this file, the README, the
tests) goes into the wheel, and each package is named explicitly.
"""

from setuptools import find_packages, setup

# Top-level folders that are subpackages of `saferkit`, in dependency order (core knows none of the others).
PACKAGE_FOLDERS = ("core", "datasets", "hashing", "evaluation", "ethics", "baseline", "serving", "hub_plugin", "rounds")

package_dir = {"saferkit": "saferkit"} | {f"saferkit.{folder}": folder for folder in PACKAGE_FOLDERS}
packages = ["saferkit"] + [
    f"saferkit.{folder}{'.' + sub if sub else ''}"
    for folder in PACKAGE_FOLDERS
    for sub in ["", *find_packages(folder)]
]

setup(packages=packages, package_dir=package_dir)
