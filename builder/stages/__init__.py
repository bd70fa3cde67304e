"""The compiler's stages, in order: manuscript (read, front matter) → scenes → placeholders →
typography → render. Each is one module with one function over plain data (builder.model);
only the first reads files. builder.pipeline runs them.

This package imports none of them itself, so that using one stage never loads the others.
"""
