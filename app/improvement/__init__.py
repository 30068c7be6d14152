"""From figures to improvement: where a unit loses points (gaps), what drives satisfaction
(key drivers), and the plans of actions that follow up (docs/improvement.md)."""
