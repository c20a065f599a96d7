"""mytorch.data: Dataset, ArrayDataset and DataLoader (filled in by the library work)."""
