"""Word in, Word out: .docx files become documents (with their comments and tracked changes) and any
draft or version leaves as a .docx. A consumer of the core and the comments."""
