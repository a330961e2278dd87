"""The agents' knowledge base (知识库): questions and answers read out to callers on the line."""
