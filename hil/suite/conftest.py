"""The bundled HIL suite uses the plugin's fixtures (``-p hil.pytest_plugin``)."""
