"""The data-science stack benchmark's step code: only edited by the code-only scenario."""

import pandas

print(pandas.__version__)
