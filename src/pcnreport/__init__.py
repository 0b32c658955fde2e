"""pcn-report: public NHS data -> validated tables -> notebooks -> a Quarto book as website and PDF."""

__version__ = "0.1.0"
