"""The project's locale formats (``settings.FORMAT_MODULE_PATH``): where they differ from
Django's own for a language, only the differences are set."""
