"""Every report's code, above the stages: the notebook renderer, display helpers, result frames."""
