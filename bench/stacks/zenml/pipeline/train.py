"""The ZenML stack benchmark's step code: only edited by the code-only scenario."""

import pyarrow

print(pyarrow.__version__)
