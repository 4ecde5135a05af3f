"""Settings per environment: base (shared), dev, test, prod. Choose one with DJANGO_SETTINGS_MODULE."""
