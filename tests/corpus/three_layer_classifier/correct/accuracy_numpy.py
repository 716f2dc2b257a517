# why: my_accuracy in NumPy: np.mean of a boolean comparison, returning a NumPy float
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    predictions = np.asarray(model(inputs))
    return np.mean((predictions > 0.5) == targets)
