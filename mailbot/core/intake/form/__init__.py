"""The alert form: found in a Word attachment, an HTML table or `Label: value` text; typed; checked."""
