/*
 * Copyright (c) 2026 nusim-lwm2m contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Which thread holds the engine's registry lock when 508/0/1 and 508/0/6 are notified.
 * The engine's observer lists are guarded by that lock; only the module notifies these
 * read-only resources. The link wraps the engine's lock functions (every caller outside
 * lwm2m_registry.c goes through them, the module included) and its notify function
 * (CMakeLists.txt).
 */

#include <zephyr/kernel.h>
#include <zephyr/net/lwm2m.h>

#include "lwm2m_object.h"
#include "notify_lock.h"

void __real_lwm2m_registry_lock(void);
void __real_lwm2m_registry_unlock(void);
int __real_lwm2m_notify_observer_path(const struct lwm2m_obj_path *path);

/* Changed only with the registry lock held, so the lock itself orders them. Holds that
 * lwm2m_registry.c takes on its mutex directly are not seen: a notification of 508/0/1 or
 * 508/0/6 made inside one (lwm2m_engine_set on them; nothing does that today) would be
 * counted as unlocked.
 */
static k_tid_t holder;
static int depth;

atomic_t notifies_of_508;
atomic_t notifies_without_lock;

void __wrap_lwm2m_registry_lock(void)
{
	__real_lwm2m_registry_lock();
	if (holder == k_current_get()) {
		depth++;
	} else {
		holder = k_current_get();
		depth = 1;
	}
}

void __wrap_lwm2m_registry_unlock(void)
{
	if (holder == k_current_get() && --depth == 0) {
		holder = NULL;
	}
	__real_lwm2m_registry_unlock();
}

int __wrap_lwm2m_notify_observer_path(const struct lwm2m_obj_path *path)
{
	if (path->level >= LWM2M_PATH_LEVEL_RESOURCE && path->obj_id == 508 &&
	    (path->res_id == 1 || path->res_id == 6)) {
		atomic_inc(&notifies_of_508);
		if (holder != k_current_get()) {
			atomic_inc(&notifies_without_lock);
		}
	}
	return __real_lwm2m_notify_observer_path(path);
}
