# why: mini-batches by slicing in list comprehensions, returned as a tuple of lists
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    size = len(inputs) // num_batches
    input_batches = [inputs[k * size:(k + 1) * size] for k in range(num_batches)]
    target_batches = [targets[k * size:(k + 1) * size] for k in range(num_batches)]
    return (input_batches, target_batches)
