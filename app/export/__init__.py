"""PDF export: print rendering with WeasyPrint in a limited process, the PAdES seal, stored exports, /verify."""
