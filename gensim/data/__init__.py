"""Demonstration datasets: the demo loop, the episode format, readers, the torch dataset,
exporters and the Gymnasium interface. Importing this package imports nothing heavy; see
docs/dataset-format.md for the on-disk layout and the sample keys of the torch dataset."""
