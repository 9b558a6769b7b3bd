"""saypro_xl: an Excel tracker, its rules and its reports for performance gaps and corrective actions."""

__version__ = "0.1.0"
