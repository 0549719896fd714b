"""Test helpers (ir_examples, oracle) are imported as plain modules from tests/."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
