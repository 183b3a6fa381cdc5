"""Shows what each layer contributed: the Dockerfile's file and variable, the requirement, the code."""
import os

import packaging

with open("/opt/company/banner.txt") as banner:
    print(banner.read().strip())
print("COMPANY_BASE_IMAGE =", os.environ.get("COMPANY_BASE_IMAGE"))
print("packaging", packaging.__version__)
print("STEP_NAME =", os.environ.get("STEP_NAME"))
