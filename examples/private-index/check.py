"""Imports the private package (from the private index) and a public one (from PyPI)."""
import six
import stepimage_private_demo

print("stepimage_private_demo.VALUE =", stepimage_private_demo.VALUE)
print("six", six.__version__)
