"""Knowledge bases: loading documents, chunking, the catalog, the vector store and hybrid retrieval."""
