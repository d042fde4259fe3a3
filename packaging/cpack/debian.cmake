# Debian/Ubuntu: one .deb per component, Depends computed by dpkg-shlibdeps
# (dpkg-dev) from the binaries. Included from packaging/CMakeLists.txt.
#   cpack --config build/CPackConfig.cmake -B <dir>
#     -> hanzo-kms_<version>_<arch>.deb, hanzo-kms-gateway_<version>_<arch>.deb
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# Each package's description below starts with its own synopsis line; an empty
# project summary keeps CPack from putting the project's in front of it.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")

set(CPACK_DEBIAN_DESKTOP_PACKAGE_NAME hanzo-kms)
set(CPACK_DEBIAN_DESKTOP_PACKAGE_SECTION admin)
# Loaded as plugins, so dpkg-shlibdeps cannot see them: the SQLite driver of
# the store, and the PostgreSQL driver of team profiles (recommended: only
# they need it). A Secret Service provider holds the cluster credentials.
set(CPACK_DEBIAN_DESKTOP_PACKAGE_DEPENDS "libqt6sql6-sqlite")
set(CPACK_DEBIAN_DESKTOP_PACKAGE_RECOMMENDS "libqt6sql6-psql, gnome-keyring | kwalletmanager | keepassxc, kubectl")
set(CPACK_DEBIAN_DESKTOP_DESCRIPTION
"lease short-lived Kubernetes service account tokens
Hanzo KMS is a desktop application with which Kubernetes administrators
define dynamic secrets for their clusters and lease short-lived service
account tokens from them. Static secrets issue tokens for an existing
service account; dynamic secrets create a temporary service account and
role binding per lease and remove them when the lease ends. Every lease is
recorded in a hash-chained audit log, and cluster credentials are kept only
in the system keychain (Secret Service).

This package also contains hanzo-kmsctl, the same engine on the command line.")

set(CPACK_DEBIAN_GATEWAY_PACKAGE_NAME hanzo-kms-gateway)
set(CPACK_DEBIAN_GATEWAY_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_GATEWAY_DESCRIPTION
"in-cluster gateway for Hanzo KMS
hanzo-kms-gateway runs inside a private Kubernetes cluster. Hanzo KMS
desktops reach it over mutual TLS, and it calls the API server with its own
pod service account. It also removes expired leases while every desktop is
closed.")

# The licence where Debian looks for it.
if(TARGET hanzo-kms-gateway)
  set(_kms_doc_packages hanzo-kms:desktop hanzo-kms-gateway:gateway)
else()
  set(_kms_doc_packages hanzo-kms:desktop)
endif()
foreach(entry IN LISTS _kms_doc_packages)
  string(REPLACE ":" ";" entry "${entry}")
  list(GET entry 0 package)
  list(GET entry 1 component)
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package}
    RENAME copyright COMPONENT ${component})
endforeach()
