"""The only package that talks to SpiffWorkflow: parsing diagrams and running instances."""
