"""The TOML configuration. Import from the modules, not from here: the serving process imports
settings.py, errors.py and isolated.py only, never pydantic (isolated.py says why).

- model.py: the pydantic models (strict TOML types, unknown keys forbidden, field checks);
- loading.py: TOML to the models, errors naming the file, the field path and the reason, and
  the models to a pure Policy;
- settings.py: what the server keeps of a config, as plain dataclasses;
- isolated.py: validation in a child process, for the server;
- written.py: reading a file its writer has finished;
- errors.py: ConfigError.
"""
