"""Offline JSON schemas for `make k8s-check` (kubeconform), from what the package registries give.

- Kubernetes: the `kubernetes-validate` wheel (PyPI) carries the JSON schemas of many Kubernetes
  versions (`kubernetes-json-schema/v<version>-local-strict/<kind>-<group>-<version>.json`,
  with `$ref`s to `/api/_definitions.json`). They are copied into `<out>/kubernetes/` with the
  references made absolute `file://` URLs (kubeconform's compiler resolves neither the wheel's
  `/api/` root nor paths relative to a schema file).
- KEDA: its CRDs (`config/crd/bases/*.yaml` in the Go module from the module proxy) become one
  schema per kind and version, `<out>/crds/<group>/<kind>_<version>.json`, as kubeconform's own
  openapi2jsonschema does (strict: no properties beyond the CRD's).

Usage: python -m infra.k8s_schemas WHEEL KUBERNETES_VERSION CRD_DIR OUT
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import yaml

API_REF = re.compile(r'"/api/_definitions\.json#')


def extract_kubernetes(wheel: Path, version: str, out: Path) -> int:
    """Copy one version's strict schemas out of the wheel; returns how many files."""
    prefix = f"kubernetes_validate/kubernetes-json-schema/v{version.lstrip('v')}-local-strict/"
    out.mkdir(parents=True, exist_ok=True)
    definitions = f'"{(out / "_definitions.json").resolve().as_uri()}#'
    count = 0
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith(prefix) and name.endswith(".json"):
                text = archive.read(name).decode("utf-8")
                (out / name[len(prefix):]).write_text(API_REF.sub(definitions, text))
                count += 1
    if count == 0:
        raise SystemExit(f"{wheel} has no schemas for Kubernetes {version}")
    return count


def strict(schema: object) -> object:
    """The schema with additionalProperties: false wherever properties are listed and nothing else is said."""
    if isinstance(schema, dict):
        result = {key: strict(value) for key, value in schema.items()}
        if "properties" in result and "additionalProperties" not in result \
                and not result.get("x-kubernetes-preserve-unknown-fields"):
            result["additionalProperties"] = False
        return result
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


def convert_crds(crd_dir: Path, out: Path) -> int:
    """One JSON schema per CRD kind and served version; returns how many files."""
    count = 0
    for path in sorted(crd_dir.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"].lower()
            for version in crd["spec"]["versions"]:
                schema = version.get("schema", {}).get("openAPIV3Schema")
                if schema is None:
                    continue
                target = out / group / f"{kind}_{version['name']}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(strict(schema), indent=1))
                count += 1
    if count == 0:
        raise SystemExit(f"no CRD schemas found in {crd_dir}")
    return count


def main(argv: list[str]) -> int:
    wheel, version, crd_dir, out = Path(argv[0]), argv[1], Path(argv[2]), Path(argv[3])
    kubernetes = extract_kubernetes(wheel, version, out / "kubernetes")
    crds = convert_crds(crd_dir, out / "crds")
    print(f"{kubernetes} Kubernetes {version} schemas and {crds} CRD schemas in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
