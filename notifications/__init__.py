"""What is said, to whom, and how it gets there."""
