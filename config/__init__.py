"""The one reader of the environment: `config.settings.Settings`."""
