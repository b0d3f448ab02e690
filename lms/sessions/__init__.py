"""Training sessions (集合研修・オンライン研修・派遣研修): docs/sessions.md."""
