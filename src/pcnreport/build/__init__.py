"""Stage 4, build: takes the project (notebooks, chapters, data folder) and runs it.
Gives _book/: the notebooks run through papermill, cached by content keys, checked, rendered and published
atomically; imports every stage before it and `render`.
"""
