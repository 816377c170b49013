"""The embedded broker's jars, resolved by Maven from infra/kafka/pom.xml and cached."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from streamscribe.errors import ConfigurationError
from streamscribe.paths import REPO_ROOT, cache_home

POM = REPO_ROOT / "infra" / "kafka" / "pom.xml"
LOG4J_CONFIG = REPO_ROOT / "infra" / "kafka" / "log4j2.yaml"


def libs_dir() -> Path:
    """Folder holding the broker's classpath jars."""
    return cache_home() / "kafka" / "libs"


def find_java() -> str:
    """Path of the `java` launcher; a clear error when Java is not installed."""
    java = shutil.which("java")
    if java is None:
        raise ConfigurationError(
            "Java was not found on PATH: the embedded Kafka broker needs Java 17 or newer "
            "(Debian: apt-get install openjdk-17-jre-headless)"
        )
    return java


def ensure_jars() -> Path:
    """Return the jars folder, running Maven once to fill it when it is empty."""
    libs = libs_dir()
    if any(libs.glob("kafka_*.jar")):
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ConfigurationError(
            f"Kafka jars are missing from {libs} and Maven (mvn) is not installed to fetch "
            "them: install Maven, or run `make kafka` on a machine that has it"
        )
    command = [
        mvn, "-q", "-B", "-f", str(POM),
        f"-Dmaven.repo.local={cache_home() / 'm2'}",
        "dependency:copy-dependencies", f"-DoutputDirectory={libs}", "-DincludeScope=runtime",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not any(libs.glob("kafka_*.jar")):
        raise ConfigurationError(f"Maven could not resolve the Kafka jars:\n{result.stdout}{result.stderr}")
    return libs
