# loses: split_mini_batches
# message: num_batches is the number of batches
# why: num_batches used as the batch size: n / num_batches batches of num_batches
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    batch_size = num_batches
    input_batches = [inputs[i:i + batch_size] for i in range(0, len(inputs), batch_size)]
    target_batches = [targets[i:i + batch_size] for i in range(0, len(targets), batch_size)]
    return input_batches, target_batches
