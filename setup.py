"""Maps the repository's layout onto one installed package.

The design card puts `targets/` and `templates/` at the top of the repository; installed, they are
`flowc.targets` and `flowc.templates`, so the distribution claims no generic top-level names. Every
sub-package is found here, so a new one ships without editing a list. Metadata is in pyproject.toml.
"""

from setuptools import find_packages, setup

ROOTS = {"flowc": "flowc", "flowc.targets": "targets", "flowc.templates": "templates"}

packages = []
package_dir = {}
for name, folder in ROOTS.items():
    packages.append(name)
    package_dir[name] = folder
    for sub in find_packages(folder):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
