"""HTTP routes besides LangServe's."""
