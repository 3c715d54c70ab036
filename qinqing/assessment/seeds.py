def load_demo(*, city, users, log):
    pass
