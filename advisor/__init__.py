"""advisor: a bilingual, multimodal advisor grounded in domain knowledge bases."""

import os

# numpy's OpenBLAS threads and the embedding engine's threads fight over two cores: query p95 went
# from 12 ms to 105 ms here until OpenBLAS was kept to one thread (see shared/MODELS.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
