"""Citizens' comments (góp ý, phản ánh, kiến nghị): made from free text, handled by staff."""
