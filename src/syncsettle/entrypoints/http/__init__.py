"""HTTP entry points (FastAPI). Only this layer turns business rejections into national answers."""
