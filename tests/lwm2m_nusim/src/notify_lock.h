/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef NOTIFY_LOCK_H_
#define NOTIFY_LOCK_H_

#include <zephyr/sys/atomic.h>

/* Notifications of 508/0/1 and 508/0/6 so far, and those made without the registry lock
 * held by the notifying thread (notify_lock.c).
 */
extern atomic_t notifies_of_508;
extern atomic_t notifies_without_lock;

#endif /* NOTIFY_LOCK_H_ */
