"""The ML stack benchmark's step code: only edited by the code-only scenario."""

import torch

print(torch.__version__)
