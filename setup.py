"""Maps the repository's layout onto one installed package, plus flowc's `metaflow` stand-in hook.

The design card puts `targets/` and `templates/` at the top of the repository; installed, they are
`flowc.targets` and `flowc.templates`, so the distribution claims no generic top-level names. Every
sub-package is found here, so a new one ships without editing a list. Metadata is in pyproject.toml.

Beside the package go two private files (docs/metaflow.md, "How `import metaflow` resolves"):
`_flowc_metaflow_finder.py` and `flowc-metaflow.pth`, which imports it at interpreter start so that
`import metaflow` finds flowc's stand-in where, and only where, Metaflow itself is not installed.
"""

import os
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOTS = {"flowc": "flowc", "flowc.targets": "targets", "flowc.templates": "templates"}
PTH = "flowc-metaflow.pth"

packages = []
package_dir = {}
for name, folder in ROOTS.items():
    packages.append(name)
    package_dir[name] = folder
    for sub in find_packages(folder):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"


class BuildWithPth(build_py):
    """Also puts the .pth at the top of what is installed (site-packages): setuptools ships .pth files
    only this way. An editable install (`pip install -e .`) maps modules to the source tree and ships
    nothing from build_lib, so there the .pth goes straight into the wheel being built (its
    `install_lib`, as setuptools' editable_wheel sets it)."""

    def run(self):
        super().run()
        folders = [self.build_lib]
        if getattr(self, "editable_mode", False):
            install_lib = getattr(self.distribution.get_command_obj("install"), "install_lib", None)
            if install_lib:
                folders.append(install_lib)
        for folder in folders:
            os.makedirs(folder, exist_ok=True)
            shutil.copyfile(PTH, os.path.join(folder, PTH))

    def get_outputs(self, include_bytecode=True):
        return [*super().get_outputs(include_bytecode), os.path.join(self.build_lib, PTH)]


setup(
    packages=packages,
    package_dir=package_dir,
    py_modules=["_flowc_metaflow_finder"],
    cmdclass={"build_py": BuildWithPth},
)
