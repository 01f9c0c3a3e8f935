import os

from setuptools import find_packages, setup

here = os.path.abspath(os.path.dirname(__file__))


def read_version():
    with open(os.path.join(here, "asteroid", "__init__.py")) as fh:
        for line in fh:
            if line.startswith("__version__"):
                return line.split("=")[1].strip().strip('"')
    raise RuntimeError("asteroid/__init__.py has no __version__ line.")


with open(os.path.join(here, "README.md"), encoding="utf-8") as fh:
    long_description = fh.read()

install_requires = [
    "torch>=2.0",
    "pytorch-lightning>=2.0",
    "torch-optimizer>=0.1",
    "numpy>=1.21",
    "scipy>=1.10",
    "soundfile>=0.10.2",
    "pyyaml>=5.0",
    "pandas>=1.0",
    "pb_bss_eval>=0.0.2",
    "pystoi>=0.3",
    "pesq>=0.0.3",
    "requests>=2.20",
    "huggingface_hub>=0.20",
    "tqdm>=4.40",
]
# The demo recipe: speech synthesis for its corpus, figures for its report.
demo_require = ["espeakng-loader>=0.2", "matplotlib>=3.5"]
tests_require = demo_require + [
    "pytest>=7",
    "pytest-xdist>=3",
    "onnx>=1.14",
    "onnxruntime>=1.16",
]
docs_require = ["sphinx>=7"]
dev_require = ["black>=24", "ruff>=0.5", "pre-commit>=3"]

setup(
    name="asteroid",
    version=read_version(),
    author="Asteroid contributors",
    description="PyTorch-based audio source separation toolkit",
    long_description=long_description,
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.9",
    packages=find_packages(include=["asteroid", "asteroid.*"]),
    include_package_data=True,
    install_requires=install_requires,
    entry_points={
        "console_scripts": [
            "asteroid-infer=asteroid.scripts.asteroid_cli:infer",
            "asteroid-upload=asteroid.scripts.asteroid_cli:upload",
            "asteroid-register-sr=asteroid.scripts.asteroid_cli:register_sample_rate",
            "asteroid-versions=asteroid.scripts.asteroid_versions:main",
            "asteroid-train=asteroid.scripts.own_data:train_main",
            "asteroid-eval=asteroid.scripts.own_data:eval_main",
        ]
    },
    extras_require={
        "demo": demo_require,
        "tests": tests_require,
        "docs": docs_require,
        "dev": dev_require,
        "all": sorted(set(tests_require + docs_require + dev_require)),
    },
    classifiers=[
        "Development Status :: 4 - Beta",
        "Intended Audience :: Science/Research",
        "License :: OSI Approved :: MIT License",
        "Programming Language :: Python :: 3",
        "Topic :: Multimedia :: Sound/Audio :: Analysis",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
