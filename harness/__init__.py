"""Plain libraries shared by the pytest plugins (`fixtures`) and the CLI (`ci`): configuration and
catalog readers, the browsers of this machine, the API client, the embedded app's process and
redaction. Nothing here imports pytest, `fixtures` or `ci`.
"""
