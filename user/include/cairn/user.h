/* The one header a Cairn user program includes: the ABI, system-call wrappers, libc and runtime. */
#ifndef CAIRN_USER_H
#define CAIRN_USER_H

#include <cairn/abi.h>
#include <cairn/syscall.h>
#include <cairn/libc.h>
#include <cairn/runtime.h>

#endif
