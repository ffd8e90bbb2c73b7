// Package deploy is shoubao's deployment kit; its tests check the kit's files against real servers.
package deploy
