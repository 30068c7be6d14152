"""Citizens' comments (góp ý, phản ánh, kiến nghị): materialised from free text, handled by staff."""
