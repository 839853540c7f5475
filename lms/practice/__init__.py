"""Practice: labs a learner does, the trainers' review queue, and practical evidence."""
