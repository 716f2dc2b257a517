# loses: my_accuracy
# message: output limit
# why: prints 200 MB inside a function; later functions that print a little must still be graded
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    line = "x" * 999_999
    for _ in range(200):
        print(line)
    return 1.0
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    print("splitting", inputs.shape, "into", num_batches)
    return np.vsplit(inputs, num_batches), np.vsplit(targets, num_batches)
