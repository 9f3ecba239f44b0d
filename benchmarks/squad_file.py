"""The `--squad` option of the benchmarks that read only the XQuAD-ar file."""

from __future__ import annotations

import argparse
from pathlib import Path

# ../shared beside the repository, as the developers' guide lays the machine out.
DEFAULT_SQUAD = Path(__file__).resolve().parents[2] / "shared/data/xquad-ar/xquad.ar.json"


def squad_path(description: str) -> Path:
    """Return the SQuAD-format file named by `--squad` (default: the shared XQuAD-ar file),
    after parsing the command line of a benchmark described by `description`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--squad", type=Path, default=DEFAULT_SQUAD, help="SQuAD-format JSON")
    path: Path = parser.parse_args().squad
    return path
