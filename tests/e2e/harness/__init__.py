# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""LwM2M server harness (aiocoap) for the end-to-end tests and the demo."""
